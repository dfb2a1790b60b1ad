"""Running the contract: configuration, the target, per-example sessions, scenarios, CLI."""
