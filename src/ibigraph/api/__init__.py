"""FastAPI routers; each is a thin shell over the core modules."""
