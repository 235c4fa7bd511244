"""The web console: server-rendered pages on the API's services, keys, roles and tenancy."""
