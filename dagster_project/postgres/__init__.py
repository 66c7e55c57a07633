"""The PostgreSQL target: connection settings, the raw copy, a throwaway local cluster."""
