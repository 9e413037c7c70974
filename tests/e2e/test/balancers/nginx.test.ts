import { startNginx } from "@chat/test-kit";
import { balancerSuite } from "./balancer-suite.ts";

// Presence expires in seconds here; HAProxy's file keeps the server's defaults.
balancerSuite("nginx (deploy/nginx/nginx.conf.template)", { start: startNginx, quickPresence: true });
