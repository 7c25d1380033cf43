"""IETF MIB modules shipped for net-snmp tools; see README.md here."""
