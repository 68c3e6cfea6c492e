import Testing
@testable import PortraitCore
@Suite struct PlaceholderCore { @Test func builds() { #expect(Bool(true)) } }
