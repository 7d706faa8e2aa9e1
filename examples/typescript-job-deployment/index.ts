// Deploy an image to a Northflank job, set the job's settings, then run it once and wait for it:
// the native northflank provider (../../provider) from TypeScript. The same program as
// ../yaml-job-deployment/Pulumi.yaml.
//
// Against the local API emulator (`python -m northflank_emulator --port 8080`, whose seeded demo
// project and job are the defaults below):
//   pulumi install                # generates sdks/northflank from the provider, and npm installs
//   pulumi stack init dev
//   pulumi config set northflank:apiUrl http://127.0.0.1:8080
//   pulumi config set --secret northflank:apiToken nf-emulator-token
//   pulumi up
import * as pulumi from "@pulumi/pulumi";
import * as northflank from "@pulumi-northflank/northflank";

const config = new pulumi.Config();
const projectId = config.get("projectId") ?? "demo-project";
const jobId = config.get("jobId") ?? "db-migrate";

const migrate = new northflank.JobDeployment("migrate", {
    projectId,
    jobId,
    external: {
        imagePath: config.get("image") ?? "ghcr.io/acme/migrate:1.5.0",
    },
    docker: {
        configType: "customCommand",
        customCommand: "python migrate.py",
    },
});

// Northflank must not run the job itself when its image changes: the JobRun below runs it, once.
const settings = new northflank.JobSettings("migrateSettings", {
    projectId,
    jobId,
    backoffLimit: 0,
    runOnSourceChange: "never",
});

const run = new northflank.JobRun(
    "migrateRun",
    {
        projectId,
        jobId,
        // A new image starts a new run; an unchanged program starts none.
        triggers: [migrate.external],
        environment: {
            MIGRATE_TARGET: "head",
            // Secret: kept encrypted in the state, and never shown in a message or a log line.
            DATABASE_URL: pulumi.secret(config.get("databaseUrl") ?? "postgres://localhost/shop"),
        },
        timeoutSeconds: 600,
    },
    { dependsOn: [migrate, settings] },
);

export const migration = run.status;
export const migrationRun = run.runName;
export const image = migrate.external.apply((external) => external?.imagePath);
