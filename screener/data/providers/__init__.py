"""Optional market-data providers (the ``screener[cn]`` extra: AKShare, baostock), each imported lazily."""
