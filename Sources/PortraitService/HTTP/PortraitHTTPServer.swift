import Hummingbird
import Logging
import NIOCore

/// The HTTP endpoint: `/metrics`, `/healthz`, `/readyz`, `/v1/users/{user_id}/profile|recommendations`.
///
/// Binds 127.0.0.1 by default (CONTRACT §8); `http_addr: off` leaves it out of the service group.
public enum PortraitHTTPServer {
    /// Builds the Hummingbird application, a `Service` for the service group.
    ///
    /// - Parameters:
    ///   - beforeScrape: runs before every `/metrics` response (the daemon refreshes its engine gauges there).
    ///   - onBound: called with the bound port once the server listens (port 0 picks one).
    public static func makeApplication(
        host: String,
        port: Int,
        health: ServiceHealth,
        metrics: PortraitMetrics,
        queries: any ProfileQueries,
        logger: Logger,
        beforeScrape: @escaping @Sendable () -> Void = {},
        onBound: @escaping @Sendable (Int) -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ in
            beforeScrape()
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition()))
            )
        }
        router.get("/healthz") { _, _ in
            let snapshot = health.snapshot
            let healthy = snapshot.phase != .failed
            return json(healthy ? .ok : .serviceUnavailable, #"{"status":"\#(healthy ? "ok" : "failed")"}"#)
        }
        router.get("/readyz") { _, _ in
            let snapshot = health.snapshot
            var body = #"{"ready":\#(snapshot.isReady),"phase":"\#(snapshot.phase.rawValue)","detail":"#
            body += quoted(snapshot.detail) + "}"
            return json(snapshot.isReady ? .ok : .serviceUnavailable, body)
        }
        router.get("/v1/users/:user_id/profile") { request, context in
            try await user(request, context, health) { await queries.profile(userId: $0, at: $1) }
        }
        router.get("/v1/users/:user_id/recommendations") { request, context in
            try await user(request, context, health) { await queries.recommendations(userId: $0, at: $1) }
        }

        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "portraitd"),
            onServerRunning: { channel in onBound(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    /// Answers a user query. While partitions are being restored the answer may lag behind the input, so it
    /// carries `"stale": true` (an extra field; CONTRACT §4/§5 fields are unchanged).
    private static func user(
        _ request: Request,
        _ context: BasicRequestContext,
        _ health: ServiceHealth,
        _ lookup: (String, Int64?) async throws -> [UInt8]?
    ) async throws -> Response {
        let userId = try context.parameters.require("user_id")
        var at: Int64?
        if let text = request.uri.queryParameters["at"] {
            guard let value = Int64(String(text)) else {
                return json(.badRequest, #"{"error":"invalid_parameter","detail":"at must be epoch milliseconds"}"#)
            }
            at = value
        }
        let stale = health.snapshot.phase == .restoring
        guard var body = try await lookup(userId, at) else {
            let marker = stale ? #","stale":true"# : ""
            return json(.notFound, #"{"error":"not_found","user_id":"# + quoted(userId) + marker + "}")
        }
        if stale, body.first == UInt8(ascii: "{") {
            body.insert(contentsOf: Array(#""stale":true,"#.utf8), at: 1)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }

    private static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body))
        )
    }

    static func quoted(_ text: String) -> String {
        var out = ""
        JSONLogHandler.appendQuoted(text, to: &out)
        return out
    }
}
