"""The bundled defaults: config.toml and the universe files, used when no config is found (and copied by
`screener init`)."""
