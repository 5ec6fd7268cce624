export {
  describeWithServices,
  isCI,
  isServiceReachable,
  type ServiceName,
  serviceUrls,
  uniqueName,
} from "./services.ts";
