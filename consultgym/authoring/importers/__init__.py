"""Importers: turn other datasets' cases into consultgym scenarios (one module per dataset)."""
