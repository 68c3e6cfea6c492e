/// Portrait's engine: decoding, decay, profiles, windows, shards, recommendations. Pure: no I/O.
public enum PortraitCore {}
