"""`engageiq dev`: the whole platform on this machine, against moto in server mode."""
