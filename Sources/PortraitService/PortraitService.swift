/// The Portrait daemon wiring: ingest, publish, HTTP, configuration, metrics, lifecycle.
public enum PortraitService {}
