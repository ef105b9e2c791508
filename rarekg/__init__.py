"""The pipeline and the command line: wires the sources of `loaders/` to the store of `kg/`
(`build`, `compile`, `serve`, the synthetic generator) and exposes them as `rarekg`."""
