"""The NOC dashboard (issue 7; see docs/dashboard.md): a Textual app over one seam.

    source      StateSource, the one seam (states, alarms, history, rates, poller, acks, feed)
    live        LiveSource: in the monitor's process (engine, bus, read-only store connection)
    storesource StoreSource: attached read-only to a running monitor's SQLite store (vigie tui)
    memory      MemorySource: set by hand or from engine events (tests, benchmark, replays)
    storeread   read-only queries of the store
    analysis    what the dashboard asks of sla (error budgets) and topology (blast radius, what-if)
    model       the sites as columns, counts kept current, filter syntax and sort
    table       VirtualTable: a Line API table that paints only the rows on screen
    app         VigieApp: views, feed, navigation; embed: with the monitor in its loop (vigie demo)
    overview, alarms, sites, detail, topoview, commands (palette, jump prompt, help), fmt, shared
    cli         vigie tui
"""
