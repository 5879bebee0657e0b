project_name: "minera"
