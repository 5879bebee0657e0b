project_id = "minera-test"
region     = "southamerica-west1"
prefix     = "minera-test"
labels     = { env = "test" }
