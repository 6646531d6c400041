"""`make bench`: GEventator measured against its performance targets (#13); see bench/run.py."""
