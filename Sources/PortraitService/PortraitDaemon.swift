import Foundation
import Logging
import Metrics
import PortraitCore
import PortraitKafka
import ServiceLifecycle
import UnixSignals

import class Prometheus.PrometheusCollectorRegistry
import struct Prometheus.PrometheusMetricsFactory

/// Builds `portraitd` from its configuration and runs it until it is told to stop.
public enum PortraitDaemon {
    /// The librdkafka properties of the input consumer: the operator's pass-through plus what Portrait needs.
    static func consumerProperties(_ configuration: PortraitConfiguration, brokers: String) -> KafkaConfiguration {
        var properties = configuration.kafka
        properties["bootstrap.servers"] = brokers
        properties["group.id"] = configuration.groupID
        if !configuration.instanceID.isEmpty { properties["group.instance.id"] = configuration.instanceID }
        // Portrait's defaults; a property set under `kafka:` wins.
        let defaults = [
            "auto.commit.interval.ms": String(configuration.commitIntervalMs),
            "auto.offset.reset": "earliest",
            "client.id": "portraitd",
        ]
        properties.merge(defaults) { user, _ in user }
        return KafkaConfiguration(properties).applicable(to: .consumer)
    }

    /// The producer's properties: idempotent, `acks=all`, and delivery retried until the broker is back
    /// (`message.timeout.ms=0`); a large local queue so a round of coalesced outputs fits.
    static func producerProperties(_ configuration: PortraitConfiguration, brokers: String) -> KafkaConfiguration {
        var properties = configuration.kafka
        properties["bootstrap.servers"] = brokers
        let defaults = [
            "enable.idempotence": "true",
            "acks": "all",
            "message.timeout.ms": "0",
            "queue.buffering.max.messages": "1000000",
            "queue.buffering.max.kbytes": "1048576",
            "linger.ms": "5",
            "client.id": "portraitd",
            // Nagle's algorithm holds a small produce request back until the previous one is acknowledged, and
            // the broker's delayed ACK can take 40 ms (bench latency: p90 ~50 ms with it, 20 ms without; p99 73–80
            // → 36 ms). Only here: on the consumer it cost ~25 % of the e2e bench's wall time and no latency.
            "socket.nagle.disable": "true",
        ]
        properties.merge(defaults) { user, _ in user }
        return KafkaConfiguration(properties).applicable(to: .producer)
    }

    /// Applies the librdkafka pass-through to real configurations, so that a bad property is a configuration
    /// error (exit 2) before any connection.
    public static func validateKafkaProperties(_ configuration: PortraitConfiguration) throws(ConfigurationError) {
        let brokers = configuration.usesEmbeddedBroker ? "127.0.0.1:9092" : configuration.brokers
        do {
            try consumerProperties(configuration, brokers: brokers).validate(for: .consumer)
            try producerProperties(configuration, brokers: brokers).validate(for: .producer)
        } catch {
            throw ConfigurationError(key: "kafka", message: error.detail.isEmpty ? "\(error)" : error.detail)
        }
    }

    /// Runs the daemon; returns the exit status (0 clean, 1 fatal).
    public static func run(_ configuration: PortraitConfiguration) async -> Int32 {
        PortraitLogging.bootstrap(configuration.logging)
        let logger = Logger(label: "portraitd")
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let metrics = PortraitMetrics(registry: registry, shards: configuration.engine.shardCount)
        let notifier = SystemdNotifier(environment: ProcessInfo.processInfo.environment)
        do {
            try await run(configuration, metrics: metrics, notifier: notifier, logger: logger)
            logger.info("stopped")
            return 0
        } catch {
            logger.critical("portraitd failed: \(error)")
            notifier.notify("STATUS=failed: \(error)")
            return 1
        }
    }

    private static func run(
        _ configuration: PortraitConfiguration,
        metrics: PortraitMetrics,
        notifier: SystemdNotifier,
        logger: Logger
    ) async throws {
        logger.info(
            "portraitd \(PortraitVersion.string) starting",
            metadata: [
                "librdkafka": "\(KafkaLibrary.version)", "brokers": "\(configuration.brokers)",
                "group": "\(configuration.groupID)", "input": "\(configuration.topics.input)",
                "workers": "\(configuration.engine.shardCount)",
            ]
        )
        var brokers = configuration.brokers
        var embedded: KafkaMockCluster?
        if configuration.usesEmbeddedBroker {
            let cluster = try KafkaMockCluster(brokers: 1, logger: logger)
            for (topic, partitions) in DevelopmentTopics.partitions(configuration.topics) {
                try cluster.createTopic(topic, partitions: partitions)
            }
            brokers = cluster.bootstrapServers
            embedded = cluster
            logger.notice("embedded development broker at \(brokers): keeps everything in memory, for development only")
        }

        let health = ServiceHealth()
        let stop = StopSignal()
        let ledger = OffsetLedger { timestamps in
            metrics.recordEndToEndLatency(of: timestamps, completedAt: Int64(Date().timeIntervalSince1970 * 1_000))
        }
        let publisher = OutputPublisher(
            topics: configuration.topics, ledger: ledger, metrics: metrics, stop: stop,
            logger: Logger(label: "portraitd.publisher")
        )
        let producer = try KafkaProducer(
            configuration: producerProperties(configuration, brokers: brokers),
            logger: Logger(label: "portraitd.kafka.producer"),
            deliveryReports: { publisher.deliver($0) }
        )
        try publisher.attach(producer)
        let catalog = ItemCatalog(configuration: configuration.engine)
        let evicted = configuration.engine.maxProfiles == nil ? nil : try EvictedProfileFileStore(directory: configuration.stateDirectory)
        let engine = ProfileEngine(
            configuration: configuration.engine, catalog: catalog, sink: publisher,
            clock: { Int64(Date().timeIntervalSince1970 * 1_000) }, evictedStore: evicted
        )
        let consumerConfiguration = consumerProperties(configuration, brokers: brokers)
        let state = PartitionStateManager(
            directory: configuration.stateDirectory, group: configuration.groupID,
            changelog: ChangelogReader(
                configuration: consumerConfiguration, topic: configuration.topics.profiles,
                logger: Logger(label: "portraitd.changelog")),
            engine: engine, evicted: evicted, metrics: metrics, health: health, logger: Logger(label: "portraitd.state")
        )
        let follower = try CatalogFollower(
            topic: configuration.topics.items, configuration: consumerConfiguration, catalog: catalog,
            publisher: publisher, metrics: metrics, stop: stop, logger: Logger(label: "portraitd.catalog")
        )
        let input = try InputConsumer(
            settings: .init(
                topic: configuration.topics.input, drainTimeout: .seconds(configuration.shutdownTimeoutSeconds * 0.8),
                catchUpLag: configuration.catchUpLag),
            configuration: consumerConfiguration, engine: engine, publisher: publisher, producer: producer,
            ledger: ledger, state: state, metrics: metrics, health: health, stop: stop,
            logger: Logger(label: "portraitd.input")
        )
        let pipeline = PipelineService(
            topics: configuration.topics, engine: engine, producer: producer, catalog: follower, input: input,
            state: state, snapshotInterval: configuration.snapshotIntervalSeconds > 0
                ? .milliseconds(Int64(configuration.snapshotIntervalSeconds * 1_000)) : nil,
            health: health, notifier: notifier, stop: stop,
            shutdownTimeout: .seconds(configuration.shutdownTimeoutSeconds), logger: logger
        )
        let status = StatusReporter(
            engine: engine, input: input, health: health, notifier: notifier, metrics: metrics,
            statusIntervalSeconds: configuration.logging.statusIntervalSeconds, logger: logger
        )

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let host = configuration.http.host {
            let http = PortraitHTTPServer.makeApplication(
                host: host, port: configuration.http.port, health: health, metrics: metrics,
                queries: EngineQueries(engine: engine), logger: Logger(label: "portraitd.http"),
                beforeScrape: { status.refreshGauges() },
                onBound: { port in logger.info("HTTP listening on \(host):\(port)") }
            )
            services.append(.init(service: http))
        }
        services.append(.init(service: status))
        services.append(.init(service: pipeline, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup))

        var groupConfiguration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(configuration.shutdownTimeoutSeconds)
        let group = ServiceGroup(configuration: groupConfiguration)
        try await group.run()
        withExtendedLifetime(embedded) {}
        if let error = stop.fatalError { throw error }
    }
}

/// HTTP queries answered by the engine's shards.
struct EngineQueries: ProfileQueries {
    let engine: ProfileEngine

    func profile(userId: String, at: Int64?) async -> [UInt8]? {
        await engine.profileJSON(userId: userId, at: at)
    }

    func recommendations(userId: String, at: Int64?) async -> [UInt8]? {
        await engine.recommendationsJSON(userId: userId, at: at)
    }
}

/// The topics and partition counts a development broker creates by default.
public enum DevelopmentTopics {
    public static func partitions(_ topics: PortraitConfiguration.Topics = .init(), inputPartitions: Int = 8) -> [(String, Int)] {
        [
            (topics.input, inputPartitions), (topics.items, 4), (topics.profiles, inputPartitions),
            (topics.recommendations, inputPartitions), (topics.deadLetters, 1),
        ]
    }
}
