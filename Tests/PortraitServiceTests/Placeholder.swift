import Testing
@testable import PortraitService
@Suite struct PlaceholderService { @Test func builds() { #expect(Bool(true)) } }
