"""The HTTP routes, one module per resource; none imports another."""
