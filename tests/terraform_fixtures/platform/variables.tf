variable "project_id" {
  type = string
}

variable "region" {
  type = string
}

variable "prefix" {
  type = string
}

variable "buckets" {
  type    = list(string)
  default = ["landing", "templates"]
}

variable "labels" {
  type    = map(string)
  default = {}
}
