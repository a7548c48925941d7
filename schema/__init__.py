"""Dropin's Qt-free core: tables, engine, operations, counting, import and export."""
