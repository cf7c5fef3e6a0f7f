"""The `engageiq` command: the local platform, the infrastructure preview and (later) tenant
provisioning. Console script: `engageiq = engageiq.cli:main`."""
