"""Expertise finding over a built graph: the referral ranking, its index and geography, the network
of centres and the members on record. Reads the store; never writes it."""
