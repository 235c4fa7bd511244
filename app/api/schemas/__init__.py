"""Request and response shapes of the JSON API, one module per area.

Every route names its answer with one of these (``response_model`` or ``responses``), so
``/openapi.json`` documents every 2xx body; tests/app/api/test_openapi_answers.py holds that.
"""
