"""python -m local_api: serve the API locally."""
from local_api.server import main

main()
