bucket = "minera-prod-tfstate"
prefix = "platform/prod"
