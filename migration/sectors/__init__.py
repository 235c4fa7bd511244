"""Sector transition guidelines: what each sector must find (catalogs of transition
targets), how far each organization has got (completeness, adoption procedure), and what
its supervisor sees (aggregates only). Data and logic beside the policy profiles."""
