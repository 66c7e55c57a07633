"""API connectors: HubSpot CRM v3 and Stripe -> landing-day files of the landing contract.

Each connector fetches what changed since its cursor, writes `date=YYYY-MM-DD/part-0000.jsonl`
per table, fsyncs it, and only then advances its cursor (sync_state.py); extraction loads the
files as it loads any export. docs/connectors.md describes the contract with each API.
"""
