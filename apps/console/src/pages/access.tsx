import type { CreateApiKeyRequest, CreatedApiKey } from "@chainwatch/client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { unwrap } from "../api/errors.ts";
import { can, useAuth } from "../auth.tsx";
import { Field } from "../components/field.tsx";
import { ErrorNotice, QueryState } from "../components/states.tsx";
import { formatTime } from "../format.ts";

/** API keys and users, for admins: create and revoke keys (the secret is shown once), list users. */
export function AccessPage() {
  const { client, principal } = useAuth();
  const queryClient = useQueryClient();
  const keys = useQuery({
    queryKey: ["keys"],
    queryFn: async ({ signal }) => unwrap(await client.GET("/api/v1/auth/keys", { signal })),
    enabled: can(principal, "manageAccess"),
  });
  const users = useQuery({
    queryKey: ["users"],
    queryFn: async ({ signal }) => unwrap(await client.GET("/api/v1/users", { signal })),
    enabled: can(principal, "manageAccess"),
  });
  const [name, setName] = useState("");
  const [role, setRole] = useState<CreateApiKeyRequest["role"]>("analyst");
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const create = useMutation({
    mutationFn: async () =>
      unwrap(await client.POST("/api/v1/auth/keys", { body: { name: name.trim(), role } })),
    onSuccess: async (key) => {
      setCreated(key);
      setName("");
      await queryClient.invalidateQueries({ queryKey: ["keys"] });
    },
  });
  const revoke = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await client.DELETE("/api/v1/auth/keys/{id}", { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["keys"] }),
  });
  if (!can(principal, "manageAccess"))
    return (
      <section aria-labelledby="access-title">
        <h1 id="access-title">Keys and users</h1>
        <p className="notice">Managing keys and users needs the admin role.</p>
      </section>
    );
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <section aria-labelledby="access-title">
      <h1 id="access-title">Keys and users</h1>
      <h2>Create an API key</h2>
      <form className="filters" onSubmit={onSubmit}>
        <Field id="key-name" label="Name">
          <input
            id="key-name"
            value={name}
            required
            maxLength={100}
            onChange={(e) => setName(e.target.value)}
          />
        </Field>
        <Field id="key-role" label="Role">
          <select
            id="key-role"
            value={role}
            onChange={(e) => setRole(e.target.value as CreateApiKeyRequest["role"])}
          >
            <option value="viewer">viewer</option>
            <option value="scorer">scorer</option>
            <option value="analyst">analyst</option>
            <option value="admin">admin</option>
          </select>
        </Field>
        <button type="submit" disabled={create.isPending}>
          Create key
        </button>
      </form>
      {create.error && <ErrorNotice error={create.error} title="The key was not created" />}
      {created && (
        <div className="notice" role="status">
          Key “{created.name}” ({created.role}), shown once: <code className="break">{created.key}</code>
        </div>
      )}
      <h2>API keys</h2>
      {revoke.error && <ErrorNotice error={revoke.error} title="The key was not revoked" />}
      <QueryState query={keys} what="the API keys">
        {(data) => (
          <table className="table">
            <caption className="visually-hidden">API keys</caption>
            <thead>
              <tr>
                <th scope="col">name</th>
                <th scope="col">prefix</th>
                <th scope="col">role</th>
                <th scope="col">last used</th>
                <th scope="col">state</th>
              </tr>
            </thead>
            <tbody>
              {data.keys.map((key) => (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td className="mono">{key.prefix}</td>
                  <td>{key.role}</td>
                  <td>{formatTime(key.lastUsedAt)}</td>
                  <td>
                    {key.revokedAt ? (
                      `revoked ${formatTime(key.revokedAt)}`
                    ) : (
                      <button type="button" className="link-button" onClick={() => revoke.mutate(key.id)}>
                        Revoke<span className="visually-hidden"> {key.name}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
      <h2>Users</h2>
      <QueryState query={users} what="the users">
        {(data) =>
          data.users.length === 0 ? (
            <p>No users yet (POST /api/v1/auth/register).</p>
          ) : (
            <ul>
              {data.users.map((user) => (
                <li key={user.id}>
                  {user.email} · {user.role} · since {formatTime(user.createdAt)}
                </li>
              ))}
            </ul>
          )
        }
      </QueryState>
    </section>
  );
}
