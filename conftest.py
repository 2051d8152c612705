import os

# Tests run as production does (DEBUG off) with a throwaway key and plain static storage.
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789abcdefghijklmnop")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("STATIC_MANIFEST", "0")
os.environ.setdefault("OVP_VAR_DIR", os.path.join(os.path.dirname(__file__), "var", "test"))
