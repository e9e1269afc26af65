"""The edges: HTTP routes, WebSocket sessions, and the uvicorn protocol they ride on."""
