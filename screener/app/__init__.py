"""Use cases: one module per command family. Each is a function ``(Environment, typed options) -> result
dataclass``; no printing, no typer, no rich. Commands call these and render the results."""
