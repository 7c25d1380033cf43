"""Inventory files: format version 1 (see docs/inventory.md), validation, summaries."""

from vigie.inventory.io import check_inventory, dump_inventory, load_inventory, to_document, write_inventory
from vigie.inventory.parse import FORMAT_NAME, FORMAT_VERSION, parse_inventory

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "check_inventory", "dump_inventory", "load_inventory",
           "parse_inventory", "to_document", "write_inventory"]
