"""Loopback HTTP servers that serve a generated company through the HubSpot CRM v3 and Stripe
APIs' own paths, pagination, filters and errors, for the connectors' tests and `make demo-api`.
"""
