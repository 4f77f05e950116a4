"""Reaching other hosts over SSH (asyncssh): the master and the workers of the semi-managed mode."""
