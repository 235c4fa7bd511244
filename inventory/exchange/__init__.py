"""Exchange formats: CycloneDX CBOM and CSV import/export."""
