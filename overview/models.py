"""No tables of its own: the overview reads the plan. Its migrations add the search indexes."""
