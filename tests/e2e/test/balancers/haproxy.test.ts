import { startHaproxy } from "@chat/test-kit";
import { balancerSuite } from "./balancer-suite.ts";

balancerSuite("HAProxy (deploy/haproxy/haproxy.cfg)", {
  start: startHaproxy,
  downLine: (instance) => new RegExp(`Server instances/${instance.name} is DOWN`),
});
