bucket = "minera-dev-tfstate"
prefix = "platform/dev"
