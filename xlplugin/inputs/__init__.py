"""Reading the user's input: funnel CSVs and report specs, each file read once."""
