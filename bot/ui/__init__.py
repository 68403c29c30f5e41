"""Front doors: the ``bot`` command, the web chat, the OpenAI-compatible APIs; each builds one ``Bot``.

Gradio and huggingface_hub read their telemetry switches when imported, so they are set here,
before any front door can import them.
"""

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
