export { freePort } from "./free-port.ts";
export {
  describeWithServices,
  isCI,
  isServiceReachable,
  type ServiceName,
  serviceUrls,
  uniqueName,
} from "./services.ts";
export { type SpawnedService, spawnService, waitForHttp } from "./spawn-service.ts";
