/**
 * An nginx config for one foreground worker whose state stays in `dir`: the origin and the nginx target share
 * this frame and differ in their `http` body. Keep-alive limits are lifted on the client side (nginx's default
 * of 1000 requests per connection would add reconnects to the figures).
 */
export function nginxConfig(dir: string, http: string): string {
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; multi_accept on; }
http {
  access_log off;
  server_tokens off;
  keepalive_requests 1000000000;
  keepalive_timeout 65s;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
${http}
}
`;
}
