"""Training one run: its config, the backend interface, the loop, the run folder."""
