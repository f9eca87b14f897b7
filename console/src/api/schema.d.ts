// Generated from docs/openapi.json by `npm run docs:openapi`: do not edit.
export interface paths {
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This OpenAPI document */
        get: operations["openApi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness and dependency checks (for load balancers) */
        get: operations["health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/uploads": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Create a job and a presigned POST to upload its source */
        post: operations["createUpload"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The tenant's jobs, newest first */
        get: operations["listJobs"];
        put?: never;
        /** Submit a job for an object already in the uploads bucket */
        post: operations["submitJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/jobs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A job with its status, hashes, duplicates and outputs */
        get: operations["getJob"];
        put?: never;
        post?: never;
        /** Cancel a job that has not ended */
        delete: operations["cancelJob"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/presets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Built-in and saved output presets */
        get: operations["listPresets"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/presets/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One preset */
        get: operations["getPreset"];
        /** Create or replace a saved preset */
        put: operations["savePreset"];
        post?: never;
        /** Delete a saved preset */
        delete: operations["deletePreset"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/{id}/similar": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Near-duplicates of an asset (by PDQ distance) */
        get: operations["similarToAsset"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/similar": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Near-duplicates of a PDQ hash */
        post: operations["similarToHash"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The tenant's webhook endpoints */
        get: operations["listWebhooks"];
        put?: never;
        /** Register a webhook endpoint (the response holds its signing secret, once) */
        post: operations["createWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhooks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One webhook endpoint */
        get: operations["getWebhook"];
        put?: never;
        post?: never;
        /** Delete a webhook endpoint */
        delete: operations["deleteWebhook"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhooks/{id}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Rotate the signing secret (the old one keeps signing during the overlap) */
        post: operations["rotateWebhookSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhooks/{id}/enable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Re-enable an endpoint that was disabled after repeated failures */
        post: operations["enableWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhooks/{id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An endpoint's deliveries, newest event first */
        get: operations["listDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhooks/deliveries/{id}/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a delivery again (a new cycle of attempts) */
        post: operations["replayDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/batches": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The tenant's batches, newest first (each batch's own page has its counts and ETA) */
        get: operations["listBatches"];
        put?: never;
        /** Submit a batch of jobs with a priority, a concurrency and dependencies */
        post: operations["createBatch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/batches/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A batch with its counts, ETA and a page of its jobs */
        get: operations["getBatch"];
        put?: never;
        post?: never;
        /** Cancel a batch: no further job starts, running ones are cancelled */
        delete: operations["cancelBatch"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/batches/{id}/report": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The report a batch wrote when it ended (JSON, or CSV with ?format=csv) */
        get: operations["batchReport"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/batches/{id}/jobs/{jobId}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Queue a FAILED or CANCELLED job of the batch again */
        post: operations["retryBatchJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/batches/{id}/jobs/{jobId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Cancel one job of the batch */
        delete: operations["cancelBatchJob"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The tenant's jobs of the last hour (by status, throughput, latency percentiles) and the queues */
        get: operations["stats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/dead-letters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Jobs whose ingest message was dead-lettered (FAILED with RETRIES_EXHAUSTED), oldest first */
        get: operations["listDeadLetters"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/dead-letters/redrive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Queue the oldest dead-lettered jobs again */
        post: operations["redriveDeadLetters"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Outputs: {
            preset: string;
            overrides?: components["schemas"]["OutputOverrides"];
        } | {
            specs: components["schemas"]["OutputSpec"][];
        };
        OutputOverrides: {
            /** @enum {string} */
            format?: "jpeg" | "png" | "webp" | "avif";
            quality?: ("low" | "medium" | "high" | "max") | number;
            effort?: number;
            background?: string;
            enlarge?: boolean;
            animated?: boolean;
        };
        OutputSpec: {
            name: string;
            /** @enum {string} */
            format: "jpeg" | "png" | "webp" | "avif";
            width?: number;
            height?: number;
            /**
             * @default inside
             * @enum {string}
             */
            fit: "cover" | "contain" | "fill" | "inside" | "outside";
            /** @enum {string} */
            position?: "centre" | "center" | "north" | "northeast" | "east" | "southeast" | "south" | "southwest" | "west" | "northwest" | "attention" | "entropy";
            enlarge?: boolean;
            background?: string;
            quality?: ("low" | "medium" | "high" | "max") | number;
            effort?: number;
            progressive?: boolean;
            mozjpeg?: boolean;
            palette?: boolean;
            animated?: boolean;
        };
        VideoRequest: {
            /** @enum {string} */
            preset: "mobile" | "web" | "hls";
            /** @default 60 */
            maxFps: number;
        } | {
            outputs: components["schemas"]["VideoOutputSpec"][];
            /** @default 60 */
            maxFps: number;
        };
        VideoOutputSpec: {
            /** @constant */
            kind: "mp4";
            /** @default video */
            name: string;
            /** @default 1080 */
            maxHeight: number;
            /** @default 23 */
            crf: number;
            /**
             * @default veryfast
             * @enum {string}
             */
            preset: "ultrafast" | "superfast" | "veryfast" | "faster" | "fast" | "medium" | "slow";
            /** @default 128 */
            audioBitrateKbps: number;
        } | {
            /** @constant */
            kind: "webm";
            /** @default video */
            name: string;
            /** @default 1080 */
            maxHeight: number;
            /** @default 33 */
            crf: number;
            /** @default 4 */
            speed: number;
            /** @default 96 */
            audioBitrateKbps: number;
        } | {
            /** @constant */
            kind: "hls";
            /** @default hls */
            name: string;
            ladder?: number[];
            /** @default 1080 */
            maxHeight: number;
            /** @default 4 */
            segmentSeconds: number;
            /**
             * @default veryfast
             * @enum {string}
             */
            preset: "ultrafast" | "superfast" | "veryfast" | "faster" | "fast" | "medium" | "slow";
            /** @default 128 */
            audioBitrateKbps: number;
        } | {
            /** @constant */
            kind: "dash";
            /** @default dash */
            name: string;
            ladder?: number[];
            /** @default 1080 */
            maxHeight: number;
            /** @default 4 */
            segmentSeconds: number;
            /**
             * @default veryfast
             * @enum {string}
             */
            preset: "ultrafast" | "superfast" | "veryfast" | "faster" | "fast" | "medium" | "slow";
            /** @default 128 */
            audioBitrateKbps: number;
            /** @default false */
            hlsPlaylists: boolean;
        } | {
            /** @constant */
            kind: "poster";
            /** @default poster */
            name: string;
            atSeconds?: number;
            /** @default 1080 */
            maxHeight: number;
        } | {
            /** @constant */
            kind: "thumbnails";
            /** @default thumbnails */
            name: string;
            /** @default 5 */
            count: number;
            /** @default 320 */
            width: number;
            /** @default 180 */
            height: number;
            /** @default false */
            sprite: boolean;
            /** @default 5 */
            spriteColumns: number;
        } | {
            /** @constant */
            kind: "audio";
            /** @default audio */
            name: string;
            /**
             * @default [
             *       "aac"
             *     ]
             */
            codecs: ("aac" | "opus")[];
            bitrateKbps?: number;
        };
        GatewayMessage: {
            message: string;
        };
        /** @description RFC 9457 problem details */
        Problem: {
            /** @description A URI naming the kind of problem */
            type: string;
            title: string;
            status: number;
            detail?: string;
            /** @description A stable machine-readable code, e.g. INVALID_REQUEST */
            code?: string;
            instance?: string;
            errors?: {
                path: string;
                message: string;
            }[];
        };
        /** @description 503 with status fail when any dependency does not answer */
        Health: {
            /** @enum {string} */
            status: "pass" | "fail";
            checks: {
                [key: string]: {
                    /** @enum {string} */
                    status: "pass" | "fail";
                    latencyMs: number;
                    error?: string;
                };
            };
            /** Format: date-time */
            time: string;
        };
        Job: {
            id: string;
            /** @enum {string} */
            status: "AWAITING_UPLOAD" | "PENDING" | "QUEUED" | "PROCESSING" | "COMPLETED" | "FAILED" | "CANCELLED";
            stage: string;
            progress: number;
            etaSeconds?: number;
            /** @enum {string} */
            priority: "urgent" | "high" | "normal" | "low";
            batch?: {
                id: string;
                ref: string;
                dependsOn?: string[];
            };
            outputsRequested?: components["schemas"]["OutputsOutput"];
            videoRequested?: components["schemas"]["VideoRequestOutput"];
            /** @enum {string} */
            metadataPolicy: "strip" | "preserve" | "selective";
            metadata?: {
                [key: string]: string;
            };
            source: {
                key: string;
                size?: number;
                contentType?: string;
            };
            sourceMetadata?: {
                format: string;
                width: number;
                height: number;
                orientation?: number;
                space?: string;
                depth?: string;
                iccDescription?: string;
                hasAlpha?: boolean;
                frames?: number;
                exif?: {
                    make?: string;
                    model?: string;
                    dateTime?: string;
                    copyright?: string;
                    artist?: string;
                };
                bytes: number;
                durationSeconds?: number;
                videoCodec?: string;
                rotation?: number;
                frameRate?: number;
                variableFrameRate?: boolean;
                audioCodec?: string;
                audioChannels?: number;
                detectedType?: string;
                declaredType?: string;
            };
            placeholder?: {
                thumbhash: string;
            };
            hashes?: {
                sha256: string;
                pdq: {
                    hash: string;
                    quality: number;
                };
                ahash: string;
                dhash: string;
                phash: string;
            };
            duplicates?: {
                exact: string[];
                exactTruncated?: boolean;
                near: {
                    assetId: string;
                    distance: number;
                }[];
            };
            outputs?: {
                name: string;
                key: string;
                format: string;
                width?: number;
                height?: number;
                bytes: number;
                kind?: string;
                rendition?: string;
                codec?: string;
                durationSeconds?: number;
                /** @description A presigned GET URL, valid for an hour */
                url: string;
            }[];
            error?: {
                type: string;
                title: string;
                /** @enum {string} */
                code: "INVALID_REQUEST" | "EMPTY_OBJECT" | "OBJECT_TOO_LARGE" | "UNSUPPORTED_MEDIA_TYPE" | "CONTENT_TYPE_MISMATCH" | "CORRUPT_MEDIA" | "IMAGE_TOO_LARGE" | "KEY_OUTSIDE_TENANT" | "SOURCE_NOT_FOUND" | "SVG_NOT_ALLOWED" | "OUTPUT_TOO_LARGE" | "MEDIA_LIMIT_EXCEEDED" | "PLAYLIST_NOT_ALLOWED" | "NOT_MEDIA" | "DEPENDENCY_FAILED" | "UPLOAD_EXPIRED" | "TRANSIENT" | "RESOURCE_EXHAUSTED" | "RETRIES_EXHAUSTED" | "TRANSCODE_FAILED" | "TRANSCODE_TIMEOUT" | "INTERNAL";
                detail: string;
                retryable: boolean;
            };
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            /** Format: date-time */
            queuedAt?: string;
            /** Format: date-time */
            startedAt?: string;
            /** Format: date-time */
            completedAt?: string;
        };
        /** @description POST the file as multipart/form-data with these fields */
        PresignedUpload: {
            url: string;
            fields: {
                [key: string]: string;
            };
            /** Format: date-time */
            expiresAt: string;
        };
        Preset: {
            name: string;
            outputs: components["schemas"]["OutputSpecOutput"][];
            builtIn: boolean;
        };
        Webhook: {
            id: string;
            url: string;
            eventTypes: ("media.job.queued" | "media.job.started" | "media.job.progress" | "media.job.completed" | "media.job.failed" | "media.job.cancelled" | "media.job.retrying" | "media.batch.started" | "media.batch.completed" | "media.batch.cancelled")[];
            description?: string;
            /** @enum {string} */
            status: "ACTIVE" | "DISABLED";
            disabledReason?: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            secretsActive: number;
        };
        Delivery: {
            id: string;
            endpointId: string;
            eventId: string;
            /** @enum {string} */
            eventType: "media.job.queued" | "media.job.started" | "media.job.progress" | "media.job.completed" | "media.job.failed" | "media.job.cancelled" | "media.job.retrying" | "media.batch.started" | "media.batch.completed" | "media.batch.cancelled";
            /** @enum {string} */
            status: "PENDING" | "DELIVERED" | "DEAD_LETTERED";
            attemptsMade: number;
            /** Format: date-time */
            nextAttemptAt?: string;
            attempts: {
                attempt: number;
                /** Format: date-time */
                at: string;
                status: number;
                durationMs: number;
                /** @enum {string} */
                errorKind?: "refused" | "timeout" | "network" | "redirect";
                error?: string;
                responseSnippet?: string;
            }[];
            lastError?: string;
            /** Format: date-time */
            deadLetteredAt?: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        Batch: {
            id: string;
            name: string;
            /** @enum {string} */
            status: "CREATING" | "SCHEDULED" | "RUNNING" | "COMPLETED" | "CANCELLED";
            /** @enum {string} */
            priority: "urgent" | "high" | "normal" | "low";
            maxConcurrency: number;
            total: number;
            counts: {
                [key: string]: number;
            };
            percentComplete: number;
            etaSeconds?: number;
            /** Format: date-time */
            startAt?: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            startedAt?: string;
            /** Format: date-time */
            endedAt?: string;
            report: {
                available: boolean;
                /** Format: date-time */
                writtenAt?: string;
            };
        };
        BatchSummary: {
            id: string;
            name: string;
            /** @enum {string} */
            status: "CREATING" | "SCHEDULED" | "RUNNING" | "COMPLETED" | "CANCELLED";
            /** @enum {string} */
            priority: "urgent" | "high" | "normal" | "low";
            maxConcurrency: number;
            total: number;
            /** Format: date-time */
            startAt?: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            startedAt?: string;
            /** Format: date-time */
            endedAt?: string;
            report: {
                available: boolean;
                /** Format: date-time */
                writtenAt?: string;
            };
        };
        BatchWithJobs: {
            id: string;
            name: string;
            /** @enum {string} */
            status: "CREATING" | "SCHEDULED" | "RUNNING" | "COMPLETED" | "CANCELLED";
            /** @enum {string} */
            priority: "urgent" | "high" | "normal" | "low";
            maxConcurrency: number;
            total: number;
            counts: {
                [key: string]: number;
            };
            percentComplete: number;
            etaSeconds?: number;
            /** Format: date-time */
            startAt?: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            startedAt?: string;
            /** Format: date-time */
            endedAt?: string;
            report: {
                available: boolean;
                /** Format: date-time */
                writtenAt?: string;
            };
            jobs: components["schemas"]["Job"][];
            /** @description Pass as ?cursor= for the next page */
            cursor?: string;
        };
        BatchReport: {
            batch: {
                id: string;
                name: string;
                /** @enum {string} */
                status: "CREATING" | "SCHEDULED" | "RUNNING" | "COMPLETED" | "CANCELLED";
                /** @enum {string} */
                priority: "urgent" | "high" | "normal" | "low";
                maxConcurrency: number;
                /** Format: date-time */
                createdAt: string;
                /** Format: date-time */
                startedAt?: string;
                /** Format: date-time */
                endedAt: string;
                wallSeconds?: number;
            };
            total: number;
            counts: {
                [key: string]: number;
            };
            /** Format: date-time */
            writtenAt: string;
            jobs: {
                jobId: string;
                ref: string;
                /** @enum {string} */
                status: "AWAITING_UPLOAD" | "PENDING" | "QUEUED" | "PROCESSING" | "COMPLETED" | "FAILED" | "CANCELLED";
                source: string;
                outputs: {
                    name: string;
                    key: string;
                    bytes: number;
                }[];
                waitSeconds?: number;
                queueSeconds?: number;
                processingSeconds?: number;
                errorCode?: string;
                errorMessage?: string;
            }[];
        };
        /** @description The tenant's jobs created in the last hour, and the stage's queues */
        Stats: {
            window: {
                /** Format: date-time */
                from: string;
                /** Format: date-time */
                to: string;
                jobs: number;
                /** @description More jobs than read (2,000): the window starts at the oldest one read */
                truncated: boolean;
            };
            jobs: {
                byStatus: {
                    [key: string]: number;
                };
                /** @description Queued and processing jobs, also older ones (counted up to 10,000) */
                unfinished: number;
                throughput: {
                    completed: number;
                    failed: number;
                    completedPerMinute: number;
                };
                /** @description The longest wait of a QUEUED job of the window for a worker (0: none waits) */
                oldestQueuedSeconds: number;
                latencySeconds: {
                    queue: {
                        count: number;
                        p50?: number;
                        p95?: number;
                        p99?: number;
                        max?: number;
                    };
                    processing: {
                        count: number;
                        p50?: number;
                        p95?: number;
                        p99?: number;
                        max?: number;
                    };
                    total: {
                        count: number;
                        p50?: number;
                        p95?: number;
                        p99?: number;
                        max?: number;
                    };
                };
            };
            /** @description The stage's queues, shared by every tenant */
            queues: {
                jobs: {
                    [key: string]: {
                        visible: number;
                        inFlight: number;
                        delayed: number;
                    };
                };
                deadLetter: {
                    visible: number;
                    inFlight: number;
                    delayed: number;
                };
            };
            deadLetters: {
                count: number;
            };
        };
        DeadLetter: {
            tenant: string;
            jobId: string;
            /** @enum {string} */
            priority: "urgent" | "high" | "normal" | "low";
            /** Format: date-time */
            deadLetteredAt: string;
            reason: string;
        };
        OutputsOutput: {
            preset: string;
            overrides?: components["schemas"]["OutputOverrides"];
        } | {
            specs: components["schemas"]["OutputSpecOutput"][];
        };
        OutputSpecOutput: {
            name: string;
            /** @enum {string} */
            format: "jpeg" | "png" | "webp" | "avif";
            width?: number;
            height?: number;
            /**
             * @default inside
             * @enum {string}
             */
            fit: "cover" | "contain" | "fill" | "inside" | "outside";
            /** @enum {string} */
            position?: "centre" | "center" | "north" | "northeast" | "east" | "southeast" | "south" | "southwest" | "west" | "northwest" | "attention" | "entropy";
            enlarge?: boolean;
            background?: string;
            quality?: ("low" | "medium" | "high" | "max") | number;
            effort?: number;
            progressive?: boolean;
            mozjpeg?: boolean;
            palette?: boolean;
            animated?: boolean;
        };
        VideoRequestOutput: {
            /** @enum {string} */
            preset: "mobile" | "web" | "hls";
            /** @default 60 */
            maxFps: number;
        } | {
            outputs: components["schemas"]["VideoOutputSpecOutput"][];
            /** @default 60 */
            maxFps: number;
        };
        VideoOutputSpecOutput: {
            /** @constant */
            kind: "mp4";
            /** @default video */
            name: string;
            /** @default 1080 */
            maxHeight: number;
            /** @default 23 */
            crf: number;
            /**
             * @default veryfast
             * @enum {string}
             */
            preset: "ultrafast" | "superfast" | "veryfast" | "faster" | "fast" | "medium" | "slow";
            /** @default 128 */
            audioBitrateKbps: number;
        } | {
            /** @constant */
            kind: "webm";
            /** @default video */
            name: string;
            /** @default 1080 */
            maxHeight: number;
            /** @default 33 */
            crf: number;
            /** @default 4 */
            speed: number;
            /** @default 96 */
            audioBitrateKbps: number;
        } | {
            /** @constant */
            kind: "hls";
            /** @default hls */
            name: string;
            ladder?: number[];
            /** @default 1080 */
            maxHeight: number;
            /** @default 4 */
            segmentSeconds: number;
            /**
             * @default veryfast
             * @enum {string}
             */
            preset: "ultrafast" | "superfast" | "veryfast" | "faster" | "fast" | "medium" | "slow";
            /** @default 128 */
            audioBitrateKbps: number;
        } | {
            /** @constant */
            kind: "dash";
            /** @default dash */
            name: string;
            ladder?: number[];
            /** @default 1080 */
            maxHeight: number;
            /** @default 4 */
            segmentSeconds: number;
            /**
             * @default veryfast
             * @enum {string}
             */
            preset: "ultrafast" | "superfast" | "veryfast" | "faster" | "fast" | "medium" | "slow";
            /** @default 128 */
            audioBitrateKbps: number;
            /** @default false */
            hlsPlaylists: boolean;
        } | {
            /** @constant */
            kind: "poster";
            /** @default poster */
            name: string;
            atSeconds?: number;
            /** @default 1080 */
            maxHeight: number;
        } | {
            /** @constant */
            kind: "thumbnails";
            /** @default thumbnails */
            name: string;
            /** @default 5 */
            count: number;
            /** @default 320 */
            width: number;
            /** @default 180 */
            height: number;
            /** @default false */
            sprite: boolean;
            /** @default 5 */
            spriteColumns: number;
        } | {
            /** @constant */
            kind: "audio";
            /** @default audio */
            name: string;
            /**
             * @default [
             *       "aac"
             *     ]
             */
            codecs: ("aac" | "opus")[];
            bitrateKbps?: number;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    openApi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI 3.1 document */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    health: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every dependency answers */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
        };
    };
    createUpload: {
        parameters: {
            query?: never;
            header?: {
                /** @description A retry with the same key and body returns the first result */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * @default {
                     *       "preset": "web"
                     *     }
                     */
                    outputs?: components["schemas"]["Outputs"];
                    video?: components["schemas"]["VideoRequest"];
                    /**
                     * @default normal
                     * @enum {string}
                     */
                    priority?: "urgent" | "high" | "normal" | "low";
                    /**
                     * @default strip
                     * @enum {string}
                     */
                    metadataPolicy?: "strip" | "preserve" | "selective";
                    /** Format: uri */
                    webhookUrl?: string;
                    metadata?: {
                        [key: string]: string;
                    };
                    fileName: string;
                    contentType: string;
                    size: number;
                };
            };
        };
        responses: {
            /** @description The job this Idempotency-Key created before */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        job: components["schemas"]["Job"];
                        upload?: components["schemas"]["PresignedUpload"];
                    };
                };
            };
            /** @description Job created, upload form returned */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        job: components["schemas"]["Job"];
                        upload?: components["schemas"]["PresignedUpload"];
                    };
                };
            };
            /** @description The request is not valid (see errors) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Unsupported media type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Well-formed but cannot be carried out */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    listJobs: {
        parameters: {
            query?: {
                /** @description Page size, 1 to 100 (default 50) */
                limit?: string;
                /** @description The cursor of the previous page */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of jobs */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        jobs: components["schemas"]["Job"][];
                        /** @description Pass as ?cursor= for the next page */
                        cursor?: string;
                    };
                };
            };
            /** @description The request is not valid (see errors) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    submitJob: {
        parameters: {
            query?: never;
            header?: {
                /** @description A retry with the same key and body returns the first result */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * @default {
                     *       "preset": "web"
                     *     }
                     */
                    outputs?: components["schemas"]["Outputs"];
                    video?: components["schemas"]["VideoRequest"];
                    /**
                     * @default normal
                     * @enum {string}
                     */
                    priority?: "urgent" | "high" | "normal" | "low";
                    /**
                     * @default strip
                     * @enum {string}
                     */
                    metadataPolicy?: "strip" | "preserve" | "selective";
                    /** Format: uri */
                    webhookUrl?: string;
                    metadata?: {
                        [key: string]: string;
                    };
                    source: {
                        key: string;
                    };
                };
            };
        };
        responses: {
            /** @description The job this Idempotency-Key created before */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description Job queued */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description The request is not valid (see errors) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request names something outside the tenant */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Well-formed but cannot be carried out */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    getJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Job id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    cancelJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Job id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The cancelled job */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflicts with the current state (or an Idempotency-Key reused with another body) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    listPresets: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every preset */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        presets: components["schemas"]["Preset"][];
                    };
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    getPreset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Preset name */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The preset */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Preset"];
                };
            };
            /** @description The request is not valid (see errors) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    savePreset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Preset name */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    outputs: components["schemas"]["OutputSpec"][];
                };
            };
        };
        responses: {
            /** @description Preset replaced */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Preset"];
                };
            };
            /** @description Preset created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Preset"];
                };
            };
            /** @description The request is not valid (see errors) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflicts with the current state (or an Idempotency-Key reused with another body) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    deletePreset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Preset name */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request is not valid (see errors) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    similarToAsset: {
        parameters: {
            query?: {
                maxDistance?: number;
                includeLowQuality?: "true" | "false";
                limit?: number;
            };
            header?: never;
            path: {
                /** @description Asset (job) id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Matches, nearest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        assetId: string;
                        maxDistance: number;
                        matches: {
                            assetId: string;
                            distance: number;
                            quality: number;
                        }[];
                    };
                };
            };
            /** @description The request is not valid (see errors) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    similarToHash: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    pdq: {
                        hash: string;
                        quality?: number;
                    };
                    maxDistance?: number;
                    includeLowQuality?: boolean;
                    limit?: number;
                };
            };
        };
        responses: {
            /** @description Matches, nearest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        maxDistance: number;
                        matches: {
                            assetId: string;
                            distance: number;
                            quality: number;
                        }[];
                    };
                };
            };
            /** @description The request is not valid (see errors) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    listWebhooks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every endpoint */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        webhooks: components["schemas"]["Webhook"][];
                    };
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    createWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    url: string;
                    eventTypes?: ("media.job.queued" | "media.job.started" | "media.job.progress" | "media.job.completed" | "media.job.failed" | "media.job.cancelled" | "media.job.retrying" | "media.batch.started" | "media.batch.completed" | "media.batch.cancelled")[];
                    description?: string;
                };
            };
        };
        responses: {
            /** @description Endpoint created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        url: string;
                        eventTypes: ("media.job.queued" | "media.job.started" | "media.job.progress" | "media.job.completed" | "media.job.failed" | "media.job.cancelled" | "media.job.retrying" | "media.batch.started" | "media.batch.completed" | "media.batch.cancelled")[];
                        description?: string;
                        /** @enum {string} */
                        status: "ACTIVE" | "DISABLED";
                        disabledReason?: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        secretsActive: number;
                        /** @description Shown in this response only (whsec_…) */
                        secret: string;
                    };
                };
            };
            /** @description The request is not valid (see errors) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflicts with the current state (or an Idempotency-Key reused with another body) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    getWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Endpoint id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The endpoint */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Webhook"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    deleteWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Endpoint id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    rotateWebhookSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Endpoint id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    overlapSeconds?: number;
                };
            };
        };
        responses: {
            /** @description The endpoint and its new secret */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        url: string;
                        eventTypes: ("media.job.queued" | "media.job.started" | "media.job.progress" | "media.job.completed" | "media.job.failed" | "media.job.cancelled" | "media.job.retrying" | "media.batch.started" | "media.batch.completed" | "media.batch.cancelled")[];
                        description?: string;
                        /** @enum {string} */
                        status: "ACTIVE" | "DISABLED";
                        disabledReason?: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        secretsActive: number;
                        /** @description Shown in this response only (whsec_…) */
                        secret: string;
                    };
                };
            };
            /** @description The request is not valid (see errors) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflicts with the current state (or an Idempotency-Key reused with another body) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    enableWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Endpoint id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The endpoint */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Webhook"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    listDeliveries: {
        parameters: {
            query?: {
                /** @description Page size, 1 to 100 (default 50) */
                limit?: string;
                /** @description The cursor of the previous page */
                cursor?: string;
                status?: "PENDING" | "DELIVERED" | "DEAD_LETTERED";
            };
            header?: never;
            path: {
                /** @description Endpoint id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of deliveries */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        deliveries: components["schemas"]["Delivery"][];
                        /** @description Pass as ?cursor= for the next page */
                        cursor?: string;
                    };
                };
            };
            /** @description The request is not valid (see errors) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    replayDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Delivery id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The delivery, pending again */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Delivery"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflicts with the current state (or an Idempotency-Key reused with another body) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    listBatches: {
        parameters: {
            query?: {
                /** @description Page size, 1 to 100 (default 50) */
                limit?: string;
                /** @description The cursor of the previous page */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of batches */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        batches: components["schemas"]["BatchSummary"][];
                        /** @description Pass as ?cursor= for the next page */
                        cursor?: string;
                    };
                };
            };
            /** @description The request is not valid (see errors) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    createBatch: {
        parameters: {
            query?: never;
            header?: {
                /** @description A retry with the same key and body returns the first result */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    /**
                     * @default normal
                     * @enum {string}
                     */
                    priority?: "urgent" | "high" | "normal" | "low";
                    /** @default 4 */
                    maxConcurrency?: number;
                    /** Format: date-time */
                    startAt?: string;
                    jobs: {
                        /**
                         * @default {
                         *       "preset": "web"
                         *     }
                         */
                        outputs?: components["schemas"]["Outputs"];
                        video?: components["schemas"]["VideoRequest"];
                        /**
                         * @default strip
                         * @enum {string}
                         */
                        metadataPolicy?: "strip" | "preserve" | "selective";
                        /** Format: uri */
                        webhookUrl?: string;
                        metadata?: {
                            [key: string]: string;
                        };
                        ref: string;
                        source: {
                            key: string;
                        };
                        dependsOn?: string[];
                    }[];
                };
            };
        };
        responses: {
            /** @description The batch this Idempotency-Key created before */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Batch"];
                };
            };
            /** @description Batch accepted */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Batch"];
                };
            };
            /** @description The request is not valid (see errors) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request names something outside the tenant */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Well-formed but cannot be carried out */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    getBatch: {
        parameters: {
            query?: {
                /** @description Page size, 1 to 100 (default 50) */
                limit?: string;
                /** @description The cursor of the previous page */
                cursor?: string;
            };
            header?: never;
            path: {
                /** @description Batch id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The batch */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BatchWithJobs"];
                };
            };
            /** @description The request is not valid (see errors) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    cancelBatch: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Batch id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The cancelled batch */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Batch"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflicts with the current state (or an Idempotency-Key reused with another body) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    batchReport: {
        parameters: {
            query?: {
                format?: "json" | "csv";
            };
            header?: never;
            path: {
                /** @description Batch id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The report */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BatchReport"];
                    "text/csv": string;
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflicts with the current state (or an Idempotency-Key reused with another body) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    retryBatchJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Batch id */
                id: string;
                /** @description Job id (of that batch) */
                jobId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The queued job */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflicts with the current state (or an Idempotency-Key reused with another body) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    cancelBatchJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Batch id */
                id: string;
                /** @description Job id (of that batch) */
                jobId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The cancelled job */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflicts with the current state (or an Idempotency-Key reused with another body) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    stats: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The statistics */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Stats"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    listDeadLetters: {
        parameters: {
            query?: {
                /** @description Page size, 1 to 100 (default 50) */
                limit?: string;
                /** @description The cursor of the previous page */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of dead letters */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        deadLetters: components["schemas"]["DeadLetter"][];
                        /** @description Pass as ?cursor= for the next page */
                        cursor?: string;
                    };
                };
            };
            /** @description The request is not valid (see errors) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
    redriveDeadLetters: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    limit?: number;
                };
            };
        };
        responses: {
            /** @description What was redriven, and what is left */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Jobs queued again */
                        redriven: string[];
                        skipped: {
                            jobId: string;
                            reason: string;
                        }[];
                        /** @description Dead letters left (call again to redrive more) */
                        remaining: number;
                    };
                };
            };
            /** @description The request is not valid (see errors) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A tenant quota is reached (see Retry-After) */
            429: {
                headers: {
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description Internal error */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
            /** @description A dependency does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayMessage"];
                };
            };
        };
    };
}
