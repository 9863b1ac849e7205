"""`lockgate demo`: the customer-support assistant behind a local gateway, with optional traffic."""
