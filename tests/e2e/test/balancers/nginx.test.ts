import { startNginx } from "@chat/test-kit";
import { balancerSuite } from "./balancer-suite.ts";

balancerSuite("nginx (deploy/nginx/nginx.conf.template)", { start: startNginx });
