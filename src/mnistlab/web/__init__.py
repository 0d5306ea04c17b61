"""The web page to draw or upload a digit and see the prediction (extra ``[web]``).

An app factory builds the FastAPI application so that tests drive it in-process.
"""
