"""edubureau — 教育局工作平台."""
