"""The semi-managed mode's runtime: a Dask distributed scheduler inside the master agent (TLS with a CA of the
cluster's own), worker processes that run shards, and the executor that hands shards to them."""
