import Testing
@testable import PortraitKafka
@Suite struct PlaceholderKafka { @Test func version() { #expect(KafkaLibrary.version.hasPrefix("2.")) } }
