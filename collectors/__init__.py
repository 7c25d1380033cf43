"""Collectors: SNMP polling, MQTT telemetry, CLI over SSH (coming with issues 3 and 8)."""
